;; Fast paths of compiler/fastpath.py and numeric.py (issue 11): self-recursive calls
;; whose results are numbers, elements of a range as ints, refs bound by let, n-ary
;; arithmetic, match on structs, per-site field caches, reduce/for-each over functions
;; that may capture. Each keeps the library's semantics: non-numbers throw type-error,
;; booleans are not numbers, a capture inside resumes (multi-shot, and serialized).
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error (arity-error _) -> :arity-error (no-instance _ _) -> :no-instance _ -> e))))

;; self-recursion: fib's + needs no check; a base case that is not a number keeps it
(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(println (fib 15) (fib 1.0) (kind (fn [] (fib "a"))))
(defn countdown [n] (if (= n 0) "done" (+ 1 (countdown (- n 1)))))
(println (kind (fn [] (countdown 3))) (countdown 0))
(defn echo [x] (if (string? x) x (echo (str x))))
(println (kind (fn [] (+ 1 (echo 5)))) (echo 5))
(defn half-str [n] (if (< n 1) (str n) (half-str (- n 1))))
(println (kind (fn [] (+ (half-str 2) (half-str 1)))))
(defn depth [t] (if (vector? t) (+ 1 (depth (first t))) 0))
(println (depth [[[1]]]) (depth 1))
;; a global rebound later does not change what the function calls itself
(defn tri [n] (if (= n 0) 0 (+ n (tri (- n 1)))))
(def old-tri tri)
(defn tri [n] "new")
(println (old-tri 4) (tri 4))

;; the elements of a range are ints: displayed as such, arithmetic unchecked; a range of a
;; non-int still throws type-error
(println (map (fn [i] (str "i" i ":" (* i i))) (range 4)))
(println (string/join "," (map (fn [i] (str i)) (range -2 2))))
(println (kind (fn [] (map (fn [i] (str i)) (range 2.5)))) (kind (fn [] (for-each (range "3") (fn [i] i)))))
(println (reduce (fn [acc i] (+ acc (* i 1.5))) 0 (range 4)))
(println (map (fn [x] (str x)) [1.0 "s" :k nil #t]))

;; refs: deref and ref-set! inline; a value that is not a ref throws type-error
(defn sum-mod [n] (let [total (ref 0)] (for-each (range n) (fn [x] (when (zero? (mod x 4)) (ref-set! total (+ (deref total) x))))) (deref total)))
(println (sum-mod 100) (let [r (ref 1)] (list (ref-set! r 5) (deref r))))
(defn set-it [r v] (ref-set! r v))
(println (kind (fn [] (set-it 5 1))) (kind (fn [] (let [r 5] (ref-set! r 1)))) (let [r (ref 0)] (set-it r 7) (deref r)))

;; n-ary + - *: left to right; a boolean or a string throws type-error as the library does
(defn add3 [a b c] (+ a b c))
(println (add3 1 2 3) (add3 1 2.5 3) (* 2 3 4) (- 10 1 2) (add3 0.1 0.2 0.3))
(println (kind (fn [] (add3 1 #t 2))) (kind (fn [] (add3 1 2 "a"))) (kind (fn [] (add3 "a" "b" "c"))) (kind (fn [] (* 2 3 #f))))

;; match: struct tests with a cache of the last class that failed; fields read directly
(struct Leaf [])
(struct Node [left value right])
(struct Pair [a b])
(defn tree-sum [t] (match t (Leaf) -> 0 (Node l v r) -> (+ (tree-sum l) v (tree-sum r))))
(defn make-tree [d s] (if (= d 0) (Leaf) (Node (make-tree (dec d) (* 2 s)) s (make-tree (dec d) (inc (* 2 s))))))
(println (tree-sum (make-tree 6 1)) (kind (fn [] (tree-sum (Node (Leaf) "x" (Leaf))))))
(defn shape [x] (match x (Leaf) -> :leaf (Node (Leaf) v _) -> (list :left-leaf v) (Node _ v _) -> (list :node v) (Pair a b) -> (list :pair a b) (Some v) -> (list :some v) _ -> :other))
(println (map shape [(Leaf) (Node (Leaf) 1 (Leaf)) (Node (Node (Leaf) 0 (Leaf)) 2 (Leaf)) (Pair 3 4) (Some 5) 6 nil (Leaf)]))
(println (try (match (Pair 1 2) (Leaf) -> 0) (catch [e] (type-of e))))

;; field access: one cache per site, right for several struct types with the same field
(struct Rect [w h])
(struct Tri [b h])
(defn height [s] s.h)
(defn area [s] (if (Rect? s) (* s.w s.h) (quot (* s.b s.h) 2)))
(println (map height [(Rect 1 2) (Tri 3 4) (Rect 5 6) (Tri 7 8)]) (map area [(Rect 1 2) (Tri 3 4) (Rect 5 6)]))
(println (kind (fn [] (height 5))) (height {:h 9}))

;; reduce and for-each over a function that may capture: the loop is inline, a capture
;; inside it resumes twice and after a serialize/deserialize round trip
(defn twice [k] (list (k 1) (k 10) ((deserialize (serialize k)) 100)))
(defn grab [] (cloneable-shift [k] k))
(defn add-grab [acc x] (+ acc (if (= x 2) (grab) x)))
(println :reduce-named (twice (cloneable-reset (fn [] (reduce add-grab 0 [1 2 3])))))
(println :reduce-lambda (twice (cloneable-reset (fn [] (reduce (fn [a x] (+ a (if (= x 2) (grab) x))) 0 (range 4))))))
(println :for-each-named (twice (cloneable-reset (fn [] (let [r (ref [])] (for-each [1 2 3] (fn [x] (ref-set! r (conj (deref r) (if (= x 2) (grab) x))))) (deref r))))))
(defn push-all [coll] (let [r (ref [])] (for-each coll (fn [x] (swap! r conj (* x (grab))))) (deref r)))
(println :for-each-each (let [k1 (cloneable-reset (fn [] (push-all [1 2])))] (let [k2 (k1 5)] (list (k2 7) ((deserialize (serialize k2)) 9)))))
(println (reduce + 0 [1 2 3]) (reduce (fn [a x] (str a x)) "" [1 2]) (reduce add-grab 5 []) (for-each [] grab))
(println (kind (fn [] (reduce (fn [a x] (+ a x)) 0 ["a"]))) (kind (fn [] (reduce 5 0 [1]))))

;; type-class dispatch: the method cached per type, arity errors as before, a new
;; instance seen at once
(defclass Shape [a] (area2 [s : a]) (scale2 [k s : a]))
(struct Sq [side])
(instance Shape Sq (area2 [s] (* s.side s.side)) (scale2 [k s] (Sq (* k s.side))))
(println (area2 (Sq 3)) (area2 (scale2 2 (Sq 3))) (map area2 [(Sq 1) (Sq 2)]))
(println (kind (fn [] (area2))) (kind (fn [] (area2 (Sq 1) 2))) (kind (fn [] (area2 5))) (kind (fn [] (scale2 2))))
(instance Shape int64 (area2 [s] (* 10 s)) (scale2 [k s] (* k s)))
(println (area2 5) (scale2 3 4) (area2 (Sq 2)))

;; vector?: the C vector type, scalars, and everything else through the library's test
(defn vec? [x] (vector? x))
(println (map vec? [[] [1 2] (conj [] 1) (vec (list 1)) 1 1.5 "v" :v nil #t '(1) {:a 1} (range 2) (Some [1])]))
