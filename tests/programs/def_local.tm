;; def inside bodies makes a local visible in the rest of the body;
;; def at top level defines or redefines a global.
(def g 1)
(println g)
(def g 2)
(println g)
(defn read-g [] g)
(def g 3)
(println (read-g))

(defn f [x]
  (def y (* x 2))
  (def z (+ y 1))
  (list x y z))
(println (f 5))

(defn shadow []
  (def g :local-g)
  g)
(println (shadow) g)

(defn with-local-fn [n]
  (defn fact [k] (if (= k 0) 1 (* k (fact (- k 1)))))
  (defn twice [v] (* 2 v))
  (twice (fact n)))
(println (with-local-fn 5))

(println (let [a 1]
           (def b (+ a 1))
           (+ a b)))
(println (let [] (do (def c 10) (+ c 1))))
(println (when #t (def w 7) (* w 6)))
(println (unless #f (def u 2) (+ u u)))
(println (loop [i 0]
           (def sq (* i i))
           (if (> sq 10) sq (recur (+ i 1)))))
(println (try (def t 5) (+ t 1) (catch [e] :no)))
(println (match 4 n -> (do (def m (* n 10)) (+ m 1))))
(println ((fn [] (def inner 3) (defn helper [] (* inner 2)) (helper))))
(defn top-level-defn [] :top)
(println (top-level-defn))
