;; Without (version ...), current-version is a short hash string, stable in one run.
(def v (current-version))
(println (string? v) (> (count v) 0) (= v (current-version)))
