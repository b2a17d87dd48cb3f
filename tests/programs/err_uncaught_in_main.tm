;; An error thrown from main.
(defn main []
  (println "main running")
  (throw (error "main failed")))
