(module audit-fast2-arity-name)
;; A call of an instance method with too many or too few arguments through its dispatcher
;; (apply, a function value) reports the same arity error whether or not the dispatcher has
;; cached the method's fast entry (b901975): the message names the method's Python function
;; as before, not its `#fast` copy.
(defclass Shape [a] (area [s : a]) (scale [s : a k]))
(struct Sq [side])
(instance Shape Sq (area [s] (* s.side s.side)) (scale [s k] (* k s.side)))
;; the dispatchers cache the fast entries for Sq
(println (map area [(Sq 1) (Sq 2)]) (map (fn [s] (apply scale [s 2])) [(Sq 1) (Sq 2)]))
(println (try (apply area [(Sq 3) 4]) (catch [e] e)))
(println (try (apply scale [(Sq 3)]) (catch [e] e)))
(println (try (apply scale [(Sq 3) 1 2]) (catch [e] e)))
(apply area [(Sq 3) 4])
