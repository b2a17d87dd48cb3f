;; let: sequential bindings, shadowing, nested scopes, body value.
(def x 100)
(println (let [x 1 y (+ x 1)] (list x y)))
(println x)
(println (let [a 1] (let [a (+ a 10) b a] (list a b))))
(println (let [a 1 a (* a 5) a (+ a 2)] a))
(println (let [] :empty-bindings))
(println (let [v 3] (println "first body form") (* v v)))
(defn f [n]
  (let [n (* n 2)]
    (let [m (+ n 1)]
      (list n m))))
(println (f 5))
(println (let [x x] (+ x 1)))
(println (let [p (Pair 1 2) s (+ p.first p.second)] s))
(defn uses-global [] x)
(println (let [x :local] (uses-global)))
