;; An uncaught thrown error: exit status 1, type, message and throw site on stderr.
(println "before")
(defn fail [] (throw (error "boom at the top")))
(fail)
(println "not reached")
