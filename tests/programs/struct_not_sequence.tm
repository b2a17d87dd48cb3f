(module structseq)
;; A struct is a value with fields, not a sequence, whatever Python type holds it: the
;; library and the operators treat it as before (type-error, not a list of its fields),
;; equality and hashing go by type and fields, a zero-field struct is true.
(struct P [x y])
(struct Q [x y])
(struct E [])
(instance Serializable P)
(instance Serializable E)
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error (error _) -> :error _ -> (type-of e)))))
(defn add [a b] (+ a b))
(defn mul [a b] (* a b))
(defn lt [a b] (< a b))
(def p (P 1 2))
(println (kind (fn [] (count p))) (kind (fn [] (count (E)))) (kind (fn [] (first p))) (kind (fn [] (nth p 0))))
(println (kind (fn [] (map inc p))) (kind (fn [] (reduce + 0 p))) (kind (fn [] (vec p))) (kind (fn [] (into [] p))))
(println (kind (fn [] (add p p))) (kind (fn [] (mul p 2))) (kind (fn [] (mul 2 p))) (kind (fn [] (lt p p))) (kind (fn [] (+ p 1))))
(println (= p (P 1 2)) (not= p (P 1 2)) (= p (Q 1 2)) (not= p (Q 1 2)) (= p [1 2]) (= (E) (E)) (= (E) []))
(println (if (E) :true :false) (when (E) :yes) (and (E) p) (contains? (hash-set (P 1 2)) (P 1 2)) (contains? (hash-set (P 1 2)) (Q 1 2)))
(println (get {(P 1 2) :a (Q 1 2) :b} (Q 1 2)) (get p :x) (get p :z) (get p 0) p (E) [p (E)] (str p))
(println p.x p.y (match p (Q a b) -> [:q a b] (P a b) -> [:p a b]) (match [p] [(P a _)] -> a))
(println (type-of p) (P? p) (P? (Q 1 2)) (empty? []) (kind (fn [] (empty? p))) (kind (fn [] (seq p))))
(println (deserialize (serialize p)) (= (deserialize (serialize {:k [p (E)]})) {:k [p (E)]}))
(println (kind (fn [] (P 1))) (kind (fn [] (P 1 2 3))) (kind (fn [] (apply P [1]))) (apply P [3 4]))
;; a capture deep in a recursion over structs: its frames hold structs; resumed twice and
;; after a serialize/deserialize round trip
(struct Leaf [])
(struct Node [left value right])
(instance Serializable Leaf)
(instance Serializable Node)
(defn make-tree [d s] (if (= d 0) (Leaf) (Node (make-tree (dec d) (* 2 s)) s (make-tree (dec d) (inc (* 2 s))))))
(defn tsum [t] (match t (Leaf) -> 0 (Node l v r) -> (+ (tsum l) (if (= v 5) (cloneable-shift [k] k) v) (tsum r))))
(let [k (cloneable-reset (fn [] (tsum (make-tree 4 1))))]
  (println (k 5) (k 1000) ((deserialize (serialize k)) 5) (= (deserialize (serialize (make-tree 3 1))) (make-tree 3 1))))
