(module audit-struct-param-redefined)
;; An instance method compiled for a struct's layout tests its parameter's layout on entry
;; (compiler/unit.py `struct_param`) against a class it remembers (`#sp:`). A struct and its
;; instance redefined with the fields in another order compile the method again under the
;; same symbol: each version must remember a class of its own layout, or one version takes
;; the other's struct for its own and reads the wrong fields. Each line prints the method's
;; reads beside plain field reads of the same struct outside any method.
(defclass Geo [a]
  (span [g : a])
  (walk [g : a n]))
(defn ask [] (cloneable-shift [k] k))
(struct Seg [a b])
(instance Serializable Seg)
(instance Geo Seg
  (span [s] [s.a s.b])
  (walk [s n] (if (= n 0) [s.a s.b] (do (ask) (recur (make) (dec n))))))
(defn make [] (Seg 10 20))
(def old (Seg 1 2))
(println (span old) [old.a old.b])
;; a continuation captured in the first version of walk
(def k1 (cloneable-reset (fn [] (walk old 2))))
(struct Seg [b a])
(instance Serializable Seg)
(instance Geo Seg
  (span [s] [s.a s.b])
  (walk [s n] (if (= n 0) [s.a s.b] (do (ask) (recur (make) (dec n))))))
(def new (Seg 1 2))
(def made (make))
;; the new version, given a struct of the old layout (dispatch goes by the name)
(println (span old) [old.a old.b])
(println (span new) [new.a new.b] (walk new 0) (walk old 0))
;; the old version resumed: its head recur rebinds s to a struct of the new layout, and it
;; captures again holding that struct; the new version runs; the old one resumes again
(def k2 (k1 nil))
(println (walk made 0) [made.a made.b])
(println (k2 nil) ((deserialize (serialize k2)) nil))
(println (span old) (span new) (walk old 0) (walk new 0) (walk made 0))
