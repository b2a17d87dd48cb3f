;; A handler that throws a new error.
(try
  (/ 1 0)
  (catch [e]
    (throw (error "handler gave up"))))
