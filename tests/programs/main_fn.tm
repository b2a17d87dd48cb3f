;; `turmeric run` calls (main) after the file's top-level forms.
(println "top 1")
(defn helper [] "helper called from main")
(defn main []
  (println "in main")
  (println (helper))
  (println "late global:" late))
(def late :defined-after-main)
(println "top 2")
