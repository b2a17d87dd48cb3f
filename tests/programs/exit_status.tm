;; (exit n) ends the program with status n; output printed before stays.
(println "before exit")
(defn finish [] (exit 3))
(finish)
(println "after exit")
