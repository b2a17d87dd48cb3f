(module audit-inline-map-error-pos)
;; An error in the body of a lambda that map runs inline as a list comprehension names the
;; body's own line and column, not the map call's.
(defn at-most [xs n] (map (fn [i] (nth xs i)) (range n)))
(println (at-most [10 20] 2))
(println
  (at-most [10 20] 3))
