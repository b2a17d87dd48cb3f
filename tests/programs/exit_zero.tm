;; (exit 0) stops the program successfully; later forms and main do not run.
(defn main [] (println "main must not run"))
(println "start")
(exit 0)
(println "not printed")
