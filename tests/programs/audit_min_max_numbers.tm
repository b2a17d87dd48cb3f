(module audit-min-max-numbers)
;; min and max take numbers only, as the other arithmetic functions do: a boolean is not
;; ordered as 0 or 1, and strings, vectors and nil throw type-error instead of comparing.
(defn kind [th] (try (pr-str (th)) (catch [e] (pr-str e))))
(def gmin min)
(println (min 3 1 2) (max 3 1 2) (min 4) (max -1 -2.5) (min 1 1.0) (max 12345678901234567890123 1e22) (gmin 2 1))
(for-each [#t #f nil "a" [1] :k] (fn [v]
  (println (pr-str v) (kind (fn [] (min v 2))) (kind (fn [] (max 2 v))) (kind (fn [] (gmin v))) (kind (fn [] (apply max [1 2 v]))))))
