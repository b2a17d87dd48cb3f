;; A construction site that built the old struct's values, after the struct gained a
;; field: the arity error names the site's position.
(struct Point [x])
(defn mk [i] (Point i))
(println (mk 1) (mk 2))
(struct Point [x y])
(println (mk 3))
