;; A call whose value is returned at once, inside an expression (compiler/emit_normal.py
;; runs it inside the return): captures at it resume and serialize, the order of evaluation
;; and the errors after it are the same.
(module fusedret)
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error _ -> (type-of e)))))
(defn grab [] (cloneable-shift [k] k))
(defn ident [x] x)
;; fib with a capture in the second recursive call, deep in the recursion
(defn fibk [n] (if (< n 2) (if (= n 0) (grab) n) (+ (fibk (- n 1)) (fibk (- n 2)))))
(let [k (cloneable-reset (fn [] (fibk 2)))] (println (k 0) (k 10) ((deserialize (serialize k)) 100)))
(def armed (ref #f))
(defn hook [n] (if (and (deref armed) (= n 0)) (do (ref-set! armed #f) (grab)) 0))
(defn fibh [n] (if (< n 2) (+ n (hook n)) (+ (fibh (- n 1)) (fibh (- n 2)))))
(println (fibh 10) (let [k (cloneable-reset (fn [] (ref-set! armed #t) (fibh 6)))] [(k 0) (k 100) ((deserialize (serialize k)) 1000)]))
(defn pair [a] [a (grab)])
(let [k (cloneable-reset (fn [] (pair 1)))] (println (k 2) ((deserialize (serialize k)) 3)))
;; evaluation order: the locals before the call, then the call, then the rest
(defn order [r] (let [a (ident 1)] (+ a (do (ref-set! r (conj (deref r) :call)) (ident 2)) (count (deref r)))))
(let [r (ref [])] (println (order r) (deref r)))
;; errors after the call: the library's, at the same place
(defn bad [x] (+ (ident x) (ident "a")))
(println (kind (fn [] (bad 1))) (kind (fn [] (bad #t))))
(defn cmp [x] (< 1 (ident x) 3))
(println (cmp 2) (cmp 5) (kind (fn [] (cmp "s"))) (kind (fn [] (cmp #f))))
(defn last-count [x] [(ident x) (count (ident x))])
(defn deep [n] (if (= n 0) (last-count 5) (+ 1 (deep (- n 1)))))
(println (last-count [1 2]) (kind (fn [] (last-count 5))))
;; an uncaught one: reported at the count, with the call stack through the recursion
(deep 2)
