(module audit-struct-tuple)
;; A struct is a tuple underneath (core/values.py) but never a pair, a string or a
;; sequence to the library: each call below must behave as it does on any other
;; non-collection value, in compiled code, through a function value, in a loop whose
;; accumulator is a transient, and in an inlined reduce.
(struct P [x y])
(struct E [])
(defn kind [thunk] (try (pr-str (thunk)) (catch [e] (match e (type-error _) -> :type-error (error _) -> :error _ -> (type-of e)))))
(def p (P 1 2))
(def conj-fn conj)
(def subs-fn subs)
;; conj of a struct onto a map: a map takes [key value] pairs
(println (kind (fn [] (conj {} p))) (kind (fn [] (conj {:a 1} p))) (kind (fn [] (conj-fn {} p))) (kind (fn [] (into {} [p]))))
(println (kind (fn [] (reduce (fn [m x] (conj m x)) {} [p]))) (kind (fn [] (reduce conj {} [p]))))
(println (kind (fn [] (loop [m {} xs [p]] (if (empty? xs) m (recur (conj m (first xs)) (rest xs)))))))
(println (kind (fn [] (loop [m {:a 1} i 0] (if (< i 1) (recur (conj m p) (inc i)) m)))))
;; a real pair still works on each path
(println (conj {} [1 2]) (conj-fn {} [1 2]) (into {} [[1 2]]) (reduce (fn [m x] (conj m x)) {} [[1 2] [3 4]]))
;; subs of a struct: not a string
(println (kind (fn [] (subs p 0))) (kind (fn [] (subs p 1 2))) (kind (fn [] (subs-fn p 0))) (kind (fn [] (subs (E) 0))))
(println (subs "hello" 1) (subs-fn "hello" 1 3))
;; vector patterns never match a struct
(println (match p [a b] -> [:vec a b] _ -> :other) (match (E) [] -> :empty _ -> :other) (match p [a & r] -> :rest _ -> :other))
