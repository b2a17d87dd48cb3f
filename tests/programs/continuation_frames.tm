;; continuation-frames: a list of continuation-frame structs, innermost first.
(module cframes)
(defn inner [x]
  (let [local-y (* x 10)]
    (def got (cloneable-shift [k] k))
    (+ x local-y got)))
(defn outer [a b]
  (let [kept (+ a b)]
    (def r (inner kept))
    (list kept r)))
(def k (cloneable-reset (fn [] (outer 1 2))))
(def frames (continuation-frames k))
(println (list? frames) (>= (count frames) 2))
(def f0 (first frames))
(def f1 (nth frames 1))
(println (type-of f0))
(println f0.fn-symbol f0.args)
(println f1.fn-symbol f1.args)
(println (get f0.captures 'local-y) (get f1.captures 'kept))
(println (string? f0.fn-symbol) (list? f0.args) (map? f0.captures))
;; the frames describe k without running or changing it
(println (k 5))

;; stable symbols of local and anonymous functions
(defn with-local [n]
  (defn helper [z] (+ z (cloneable-shift [k] k)))
  (helper n))
(def local-frame (first (continuation-frames (cloneable-reset (fn [] (with-local 3))))))
(println local-frame.fn-symbol local-frame.args)
(defn with-anon [n]
  ((fn [x] (+ x (cloneable-shift [k] k))) n))
(def anon-frame (first (continuation-frames (cloneable-reset (fn [] (with-anon 4))))))
(println anon-frame.fn-symbol anon-frame.args)
(println (continuation-frame? f0) (continuation-frame? 5))
