;; defclass / instance: dispatch on the runtime type of the class-typed parameter.
(defclass Describe [a]
  (describe [x : a] : string)
  (label [prefix : string, x : a] : string))

(struct Point [x : int64 y : int64])

(instance Describe int64
  (describe [x] (str "int " x))
  (label [prefix x] (str prefix "=" x)))
(instance Describe string
  (describe [x] (str "string \"" x "\""))
  (label [prefix x] (str prefix ":" x)))
(instance Describe Point
  (describe [p] (str "point at " p.x "," p.y))
  (label [prefix p] (str prefix "@" p.x)))
(instance Describe vector
  (describe [v] (str "vector of " (count v)))
  (label [prefix v] (str prefix "#" (count v))))
(instance Describe float
  (describe [x] (str "float " x))
  (label [prefix x] prefix))
(instance Describe Option
  (describe [o] (match o None -> "no value" (Some v) -> (str "some " (describe v))))
  (label [prefix o] prefix))

(println (describe 42))
(println (describe "hi"))
(println (describe (Point 1 2)))
(println (describe [1 2 3]))
(println (describe 2.5))
(println (describe (Some 7)) "/" (describe None))
;; label dispatches on its second parameter (the one typed with the class variable)
(println (label "n" 5) (label "s" "x") (label "p" (Point 9 0)) (label "v" [1]))

;; methods are first-class functions
(println (map describe [1 "a" 2.5]))

;; a class with an instance for a user struct and a parametric instance with constraints
(defclass Size [a]
  (size [x : a] : int64))
(instance Size int64 (size [x] 1))
(instance Size string (size [x] (count x)))
(instance Size (Pair a b) [Size a, Size b]
  (size [p] (+ (size p.first) (size p.second))))
(println (size 10) (size "four") (size (Pair 1 "abc")) (size (Pair (Pair 1 2) "xy")))

;; the constraints are checked on the components when the method is called
(defclass Tag [a]
  (tag [x : a] : string))
(instance Tag int64 (tag [x] "int"))
(instance Tag (Pair a b) [Tag a, Tag b]
  (tag [p] "pair"))
(println (tag 1) (tag (Pair 1 2)))
(println (try (tag (Pair 1 "not tagged"))
              (catch [e] (match e (no-instance c t) -> (str "no-instance " c " " t)))))
(println (try (tag :kw)
              (catch [e] (match e (no-instance c t) -> (str "no-instance " c " " t)))))

;; instances can be added for a class defined earlier, and redefine nothing else
(instance Size vector (size [v] (reduce + 0 (map size v))))
(println (size [1 "ab" (Pair 1 1)]))
