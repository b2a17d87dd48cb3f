;; finally runs before an error escapes to the top.
(try
  (println "in body")
  (throw (error "escaping"))
  (finally (println "cleanup ran")))
