;; Uncaught division by zero.
(defn ratio [a b]
  (/ a b))
(println (ratio 10 2))
(println (ratio 1 0))
