(module dispatch-fast-entry)
;; An instance method without capture sites has a fast entry: a copy of its body without
;; the layout test, which dispatch calls for the struct class the test learned
;; (runtime/typeclasses.py `fast_entry`). Each line checks a way that could go wrong: a
;; struct of the same name with another layout, a throw inside it, the direct call.
(defclass Shape [a]
  (area [s : a])
  (label [s : a]))
(struct Sq [side])
(instance Shape Sq
  (area [s] (* s.side s.side))
  (label [s] (str "sq" s.side)))
(defn total [xs] (reduce (fn [a s] (+ a (area s))) 0 xs))
(defn labels [xs] (map label xs))
;; the first call learns the class, the later ones take the fast entry
(println (total [(Sq 1) (Sq 2) (Sq 3)]) (total [(Sq 4)]) (labels [(Sq 1) (Sq 2)]) (area (Sq 5)) (area (Sq 6)))
;; a struct of the same name with its fields in another order, and a new instance for it
(def old-sq (Sq 5))
(struct Sq [pad side])
(instance Shape Sq
  (area [s] (* s.side s.side))
  (label [s] (str "sq" s.side "/" s.pad)))
(println (total [(Sq 0 6) (Sq 0 7)]) (total [(Sq 1 2)]) (labels [(Sq 9 8) (Sq 7 6)]))
;; the old struct reaches the new method by its type name: its fields are read by name
(println (area old-sq) (total [old-sq old-sq (Sq 100 1)]) (labels [(Sq 3 4)]))
;; a throw inside the method once its fast entry is cached, caught by the caller
(defn safe [xs] (try (total xs) (catch [e] (match e (type-error _) -> :type-error _ -> e))))
(println (safe [(Sq 0 1) (Sq 0 "x")]) (safe [(Sq 0 "y")]) (safe [(Sq 0 2)]))
;; a value that is not a struct of that name: no instance
(println (try (total [(Sq 0 1) {:side 2}]) (catch [e] (match e (no-instance c t) -> [c t] _ -> e))))
;; uncaught, the error names the method's line
(total [(Sq 0 3) (Sq 0 :three)])
