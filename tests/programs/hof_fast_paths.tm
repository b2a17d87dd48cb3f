;; map/filter/reduce take a C fast path when the function cannot capture (a host builtin or a
;; leaf fn); a function that captures or throws still goes through the capturable loop.
(println (map (fn [x] (* x x)) [1 2 3]))
(def k (cloneable-reset (fn [] (map (fn [x] (if (= x 2) (cloneable-shift [k] k) x)) [1 2 3]))))
(println (k 20) (k 30))
(println (try-with (fn [] (map (fn [x] (if (= x 2) (throw x) x)) [1 2 3])) (fn [e k] (k (* e 100)))))
(println (filter (fn [x] (if (= x 2) 0 nil)) [1 2 3]))
(println (reduce + 0 (filter even? (map (fn [x] (* x x)) (range 10)))))
(println (reduce (fn [a x] (+ a x)) 0 [1 2 3]) (map str [1 :a "b"]))
