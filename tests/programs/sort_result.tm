;; sort returns an ArraySeq (like map and filter): a list to every reader, printing, equality, serialization
(def s (sort [3 1 2]))
(println s (type-of s) (list? s) (first s) (rest s) (cons 0 s) (= s '(1 2 3)) (= s [1 2 3]) (count s) (nth s 2) (sort []) (type-of (sort [])))
(println (sort (fn [a b] (- b a)) '(1 3 2)) (sort-by (fn [x] (- x)) [1 3 2]) (deserialize (serialize (sort [2 1]))) (str (sort [2 1])))
(println (try (sort [1 "a"]) (catch [e] (type-of e))) (conj (sort [2 1]) 0) (into [] (sort [2 1])) (reverse (sort [1 2])))
