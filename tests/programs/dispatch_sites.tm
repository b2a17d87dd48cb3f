;; Method call sites and struct constructions inside functions keep inline caches
;; (compiler/lower.py): every call below runs many times at one site, so a stale
;; cache would show. Changes of instances, classes, structs and globals are seen at once.
(defclass Shape [a]
  (area [s : a])
  (describe [prefix s : a]))
(struct Square [side])
(struct Rect [w h])
(instance Serializable Square)
(instance Serializable Rect)
(instance Shape Square (area [s] (* s.side s.side)) (describe [p s] (str p "square " s.side)))
(instance Shape Rect (area [s] (* s.w s.h)) (describe [p s] (str p "rect " s.w "x" s.h)))

(defn make [i] (if (even? i) (Square i) (Rect i 2)))
(defn sq [x] (Square x))
(defn total [xs] (reduce (fn [acc s] (+ acc (area s))) 0 xs))
(defn names [xs] (map (fn [s] (describe "a " s)) xs))
(def shapes (map make (range 6)))
(println (total shapes) (total shapes))
(println (names (take 2 shapes)))

;; values built by a construction site are the struct's ordinary values
(println (make 4) (= (make 4) (Square 4)) (Square? (make 4)) (Rect? (make 4)) (make 3))
(println (= (deserialize (serialize (make 3))) (Rect 3 2)) (type-of (make 2)))

;; an instance added later, for a type the site has not seen: found at once
(struct Tri [b h])
(instance Shape Tri (area [s] (quot (* s.b s.h) 2)) (describe [p s] (str p "tri")))
(println (total [(Square 2) (Tri 4 3) (Rect 1 1)]))
(println (try (total [(Square 2) 5]) (catch [e] e)))

;; an instance replaced, for a type the site has cached: the new method
(instance Shape Square (area [s] (- 0 s.side)) (describe [p s] (str p "SQUARE")))
(println (total [(Square 2) (Square 3)]) (names [(Square 1)]))

;; an instance with constraints is checked at every call
(struct Box [v])
(instance Shape (Box a) [Shape a] (area [b] 10) (describe [p b] (str p "box")))
(println (total [(Box (Rect 1 2)) (Box (Rect 2 2))]))
(println (try (total [(Box (Rect 1 2)) (Box 7)]) (catch [e] e)))

;; a struct redefined: the construction site calls the new constructor
(println (make 2))
(struct Square [side color])
(println (try (make 2) (catch [e] e)) (try (make 2) (catch [e] e)))
(struct Square [side : int64])
(println (make 2) (sq 3) (try (sq "x") (catch [e] e)) (try (sq 2.5) (catch [e] e)))
(struct Square [side])
(println (make 2) (= (make 2) (Square 2)))

;; the global a site calls redefined as a function: called as it is
(defn area [s] 1000)
(println (total [(Square 2)]) (total [(Square 2)]))
(defclass Shape [a] (area [s : a]) (describe [prefix s : a]))
(println (try (total [(Square 2)]) (catch [e] e)))
(instance Shape Square (area [s] s.side) (describe [p s] "sq"))
(println (total [(Square 2) (Square 5)]))

;; a method that captures: the continuation goes through the cached site and resumes
(instance Shape Rect (area [s] (+ s.w (cloneable-shift [k] k))) (describe [p s] "r"))
(def k (cloneable-reset (fn [] (total [(Square 1) (Rect 10 0) (Square 2)]))))
(println (k 100) (k 200))
(def k2 (deserialize (serialize k)))
(println (k2 1000))

;; a struct name redefined as a function that captures: through the construction site
(defn Rect [w h] (cloneable-shift [k] k))
(def k3 (cloneable-reset (fn [] (make 1))))
(println (k3 :resumed) ((deserialize (serialize k3)) :copy))

(struct Rect [w h])
;; a function whose only sites construct structs maps in C while those globals hold
;; struct classes; once one is a function that captures, the loop is Turmeric's again
(defn pair [i] (if (even? i) (Square i) (Rect i i)))
(println (map pair (range 4)) (map Square [1 2]) (filter Square? (map pair (range 3))))
(defn Rect [w h] (cloneable-shift [k] k))
(def k4 (cloneable-reset (fn [] (map pair (range 3)))))
(println (k4 :x) ((deserialize (serialize k4)) :y))
(struct Rect [w h])
(println (map pair (range 4)))
