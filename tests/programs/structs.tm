;; struct: constructor, predicate, field access, printing, field type checks.
(struct Point [x : int64 y : int64])
(struct Person [name : string age : int64 tags : any])
(struct Flag [on : bool])
(struct Blob [data : bytes])
(struct Line [start : Point end : Point])

(def p (Point 3 4))
(println p)
(prn (Person "Ann" 30 ["a" "b"]))
(println (Person "Ann" 30 ["a" "b"]))
(println p.x p.y (+ p.x p.y))
(println (Point? p) (Point? 5) (Person? p) (Flag? (Flag #t)))
(println (type-of p) (type-of (Flag #f)))
(def ln (Line (Point 0 0) (Point 5 6)))
(println ln.end.y ln.start.x)
(println (= (Point 1 2) (Point 1 2)) (= (Point 1 2) (Point 2 1)))
(defn dist2 [a b]
  (let [dx (- a.x b.x) dy (- a.y b.y)]
    (+ (* dx dx) (* dy dy))))
(println (dist2 (Point 0 0) (Point 3 4)))
(println (map (fn [pt] pt.x) [(Point 1 0) (Point 2 0) (Point 3 0)]))

;; primitive field types are checked at construction
(defn try-make [thunk]
  (try (thunk)
       (catch [e] (match e
                    (type-error _) -> :type-error
                    _ -> (list :other e)))))
(println (try-make (fn [] (Point "3" 4))))
(println (try-make (fn [] (Point 3 4.5))))
(println (try-make (fn [] (Person 1 2 nil))))
(println (try-make (fn [] (Flag 1))))
(println (try-make (fn [] (Blob "not bytes"))))
(println (try-make (fn [] (Person "ok" 1 :anything-goes))))
;; structs are immutable values usable in collections
(def pts [(Point 1 1) (Point 2 2)])
(println (count pts) (nth pts 1))
(println (Pair 1 2) (Pair? (Pair 1 2)) (type-of (Pair :a :b)))
(def pr (Pair "left" [1 2]))
(println pr.first pr.second)
