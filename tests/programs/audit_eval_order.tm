(module audit-eval-order)
;; Arguments are evaluated left to right: a value read by an earlier argument is the value
;; before a later argument assigns the variable (`set!` of a local or a global), in calls
;; compiled inline (arithmetic, comparisons, collection operations, a loop's transient),
;; in library calls, in vector and map literals, and in recur.
(def g 1)
(def conj* conj)
(def assoc* assoc)
(defn bump [] (set! g (inc g)) 0)
(println (let [x 1] (+ x (do (set! x 5) 1))) (let [x 1] [x (do (set! x 5) 1)]) (let [x 1] (< x (do (set! x 5) 2))) (let [x 1] (= x (do (set! x 5) 1))))
(println (let [x 1] {:a x :b (do (set! x 5) x)}) (let [x 1] (list x (do (set! x 5) x))) (let [x 1] (str x (do (set! x 5) x))) (let [x 2] (+ (* x 3) (do (set! x 100) x))))
(println (+ g (do (set! g 5) 1)) g)
(set! g 1)
(defn f [] (+ g (do (set! g 5) 1)))
(defn h [m] (assoc m g (do (set! g 7) 1)))
(println (f) (h {}) (do (set! g 1) (+ g (bump))) g)
(defn t1 [] (let [y 0] (loop [a [] i 0] (if (< i 3) (recur (conj a (do (set! y (+ y i)) y)) (inc i)) [a y]))))
(defn t1g [] (let [y 0] (loop [a [] i 0] (if (< i 3) (recur (conj* a (do (set! y (+ y i)) y)) (inc i)) [a y]))))
(defn t2 [] (loop [a {} i 0] (if (< i 3) (recur (assoc a i (do (set! i (+ i 1)) i)) (inc i)) a)))
(defn t2g [] (loop [a {} i 0] (if (< i 3) (recur (assoc* a i (do (set! i (+ i 1)) i)) (inc i)) a)))
(println (t1) (t1g) (t2) (t2g))
;; the operator is evaluated before the arguments
(defn fa [x] [:a x])
(defn fb [x] [:b x])
(def op fa)
(defn call-op [] (op (do (set! op fb) 3)))
(println (op (do (set! op fb) 1)) (let [f fa] (f (do (set! f fb) 2))) (do (set! op fa) (call-op)) (op 4))
