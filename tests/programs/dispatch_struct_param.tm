;; An instance method reads its own struct's fields by index behind one test of the
;; parameter's layout on entry (compiler/unit.py `struct_param`). Each case below would
;; read the wrong field if that test were skipped or kept too long: a struct redefined
;; with its fields in another order (the old methods stay registered for its name), a
;; head `recur` that rebinds the parameter to another struct, a capture inside the method
;; resumed here and after a round trip through bytes, and arithmetic on what is not a number.
(defclass Geo [a]
  (span [g : a])
  (walk [g : a n])
  (shifted [g : a]))
(struct Seg [a b])
(struct Q [z a])
(instance Serializable Seg)
(instance Serializable Q)
(instance Geo Seg
  (span [s] (- s.b s.a))
  (walk [s n] (if (= n 0) s.a (recur (Q n (+ s.a 1)) (dec n))))
  (shifted [s] (- s.b (if (= s.a 1) (+ s.a (cloneable-shift [k] k)) s.a))))
(instance Geo Q
  (span [q] (* q.z q.a))
  (walk [q n] q.a)
  (shifted [q] 0))
(defn spans [xs] (map span xs))
(println (spans [(Seg 1 5) (Seg 2 10) (Q 3 4)]) (walk (Seg 1 2) 3) (walk (Seg 7 2) 0))
(println (try (span (Seg 1 #t)) (catch [e] (type-of e))) (try (span (Seg "a" "b")) (catch [e] (type-of e))))
(println (span (Seg 1.5 4)) (span (Seg 1 4.25)) (span (Q 2 2.5)))

;; a capture between two field reads of the method: resumed, and resumed from bytes
(def k (cloneable-reset (fn [] (map shifted [(Seg 2 10) (Seg 1 5) (Seg 3 4)]))))
(println (k 0) (k 10))
(println ((deserialize (serialize k)) 100))

;; the struct redefined with its fields swapped: (Seg 5 1) is b=5 a=1 now
(struct Seg [b a])
(instance Serializable Seg)
(println (spans [(Seg 5 1) (Seg 10 2)]) (span (Seg 7 3)) (walk (Seg 2 1) 2) (walk (Seg 9 4) 0))
(def k2 (cloneable-reset (fn [] (shifted (Seg 5 1)))))
(println (k2 0) ((deserialize (serialize k2)) 7))
