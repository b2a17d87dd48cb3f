;; serialize / deserialize round trips (snapshot semantics).
(defn rt [v] (deserialize (serialize v)))
(println (bytes? (serialize 1)))
(println (rt nil) (rt #t) (rt #f) (rt 42) (rt -7) (rt 123456789012345678901234567890) (rt 3.5))
(prn (rt "text \"quoted\"\n") (rt :kw) (rt 'sym))
(println (rt '(1 (2 3))) (rt [1 [2] "s"]) (rt {:a [1 2]}) (rt (hash-map)))
(println (rt None) (rt (Some 5)) (rt (Pair 1 "b")))
(println (= (rt [1 '(2) {:k "v"}]) [1 '(2) {:k "v"}]))
(println (list? (rt '(1))) (vector? (rt [1])) (map? (rt {})))
(println (bytes? (rt (serialize 7))) (deserialize (rt (serialize 7))))

;; structs with a derived Serializable instance
(struct Point [x : int64 y : int64])
(instance Serializable Point)
(def p (rt (Point 3 4)))
(println p p.x (Point? p))

;; closures keep their captured values
(defn make-adder [n] (fn [x] (+ x n)))
(def add5 (rt (make-adder 5)))
(println (add5 10))

;; refs are copied: no aliasing between the original and the copy
(def r (ref 1))
(def r2 (rt r))
(ref-set! r 2)
(println (deref r) (deref r2))
;; sharing inside one blob is kept
(def shared (ref 0))
(def pair2 (rt (Pair shared shared)))
(ref-set! pair2.first 9)
(println (deref pair2.second) (deref shared))

;; a box shared by two closures stays shared in the copy
(defn make-account []
  (let [bal 0]
    (Pair (fn [n] (set! bal (+ bal n)) bal) (fn [] bal))))
(def acct (rt (make-account)))
(acct.first 10)
(acct.first 5)
(println (acct.second))

;; cyclic structure through a ref
(def cyc (ref nil))
(ref-set! cyc [1 cyc])
(def cyc2 (rt cyc))
(def v2 (deref cyc2))
(println (first v2) (type-of (nth v2 1)))
(ref-set! (nth v2 1) :replaced)
(println (deref cyc2) (first (deref cyc)))
