(module audit-loops-struct-split)
;; An instance method without capture sites is compiled as `if <its struct's layout test>:
;; <the body reading the fields by index> else: <the body reading them by name>`
;; (compiler/lower.py `struct_split`). Each case below would read the wrong field if the
;; wrong copy ran: a head recur rebinding the parameter to another struct type, whose field
;; of the same name sits at another index (the test runs again each iteration); the struct
;; redefined with its fields in another order, old values beside new ones, before and after
;; the instance is defined again; dispatch on the second parameter; a try in the body;
;; errors from inside either copy; Python values in the fields.
(import-python datetime [date])
(defclass Geo [a]
  (span [g : a])
  (walk [g : a n])
  (lab [p : string, g : a])
  (safe [g : a])
  (when-of [g : a]))
(struct Seg [a b])
(struct Q [z a])
(struct Node [v a next])
(instance Geo Seg
  (span [s] (- s.b s.a))
  (walk [s n] (if (= n 0) [:seg s.a] (recur s.b (dec n))))
  (lab [p s] (str p s.a "-" s.b))
  (safe [s] (try (+ s.a s.b) (catch [e] (str "caught " (type-of e)))))
  (when-of [s] [s.a.year s.b.month]))
(instance Geo Q
  (span [q] (* q.z q.a))
  (walk [q n] (if (= n 0) [:q q.z q.a] (recur q.a (dec n))))
  (lab [p q] (str p "Q" q.z))
  (safe [q] q.a)
  (when-of [q] q.a.day))
(instance Geo Node
  (span [s] s.v)
  (walk [s n] (if (= n 0) [:node s.a] (recur s.next (dec n))))
  (lab [p s] (str p "N" s.v))
  (safe [s] s.v)
  (when-of [s] s.v))
(def chain (Node 1 10 (Node 2 20 (Seg 30 (Q 40 50)))))
;; walk of a Seg recurs with a Q: the Seg method reads the Q's a (index 1, not 0)
(println :recur (walk (Seg 1 (Q 7 8)) 1) (walk chain 0) (walk chain 1) (walk chain 2))
(println :lab (lab "p" (Seg 1 2)) (lab "q" (Q 3 4)) (lab "n" chain))
(println :safe (safe (Seg 1 2)) (safe (Seg 1 "x")) (safe (Seg nil 1)))
(println :errors (try (span (Seg "a" 1)) (catch [e] (type-of e))) (try (walk (Seg 1 2) 1) (catch [e] (type-of e))))
(println :numbers (span (Seg 1.5 2)) (span (Seg 1 20000000000000000000000000)) (span (Q 2 2.5)))
(println :python (when-of (Seg (date 2020 1 2) (date 2021 3 4))) (when-of (Q 0 (date 2022 5 6))))
;; the struct redefined with the fields swapped; the values made before keep their layout
(def old (Seg 1 2))
(def old-chain (Node 1 10 (Node 2 20 old)))
(struct Seg [b a])
(def new (Seg 1 2))
(println :redefined (span old) (span new) (walk old 0) (walk new 0) (lab "o" old) (lab "n" new))
(println :redefined (walk (Seg (Seg 5 6) 0) 1) (walk (Seg old 0) 1) (walk (Seg new 0) 1) (walk old-chain 2))
;; the instance compiled again for the new layout (the same text)
(instance Geo Seg
  (span [s] (- s.b s.a))
  (walk [s n] (if (= n 0) [:seg s.a] (recur s.b (dec n))))
  (lab [p s] (str p s.a "-" s.b))
  (safe [s] (try (+ s.a s.b) (catch [e] (str "caught " (type-of e)))))
  (when-of [s] [s.a.year s.b.month]))
(println :again (span old) (span new) (walk old 0) (walk new 0) (lab "o" old) (lab "n" new))
(println :again (walk (Seg (Seg 5 6) 0) 1) (walk (Seg old 0) 1) (walk (Seg new 0) 1) (walk old-chain 2))
(println :again (safe old) (safe new) (when-of (Seg (date 2020 1 2) (date 2021 3 4))))
