;; match: wildcard, binding, literals, struct/variant, Option, vectors, quoted symbols.
(struct Circle [r : int64])
(struct Rect [w : int64 h : int64])

(defn area [s]
  (match s
    (Circle r) -> (* 3 r r)
    (Rect w h) -> (* w h)))
(println (area (Circle 2)) (area (Rect 3 4)))

(defn lit [x]
  (match x
    0 -> "zero"
    1.5 -> "one and a half"
    "hi" -> "greeting"
    :kw -> "keyword"
    #t -> "true"
    #f -> "false"
    nil -> "nil"
    'sym -> "quoted symbol"
    other -> (str "other:" other)))
(println (map lit [0 1.5 "hi" :kw #t #f nil 'sym 7 "bye"]))

(defn opt [o]
  (match o
    None -> "none"
    (Some 0) -> "some zero"
    (Some v) -> (str "some " v)))
(println (opt None) (opt (None)) (opt (Some 0)) (opt (Some 5)))

(defn vec-shape [v]
  (match v
    [] -> "empty"
    [a] -> (str "one:" a)
    [a b] -> (str "two:" a "," b)
    [a b & more] -> (str "many:" a "," b "+" (count more))))
(println (vec-shape []) (vec-shape [1]) (vec-shape [1 2]) (vec-shape [1 2 3 4 5]))

(defn head [v]
  (match v
    [x & rest] -> (list x (count rest))
    _ -> :no-head))
(println (head [7 8 9]) (head [7]) (head []))

;; nested patterns
(defn nested [x]
  (match x
    (Pair (Some a) (Rect w _)) -> (+ a w)
    (Pair None _) -> :left-none
    (Pair _ [_ (Some q)]) -> q
    _ -> :fallback))
(println (nested (Pair (Some 1) (Rect 10 20))) (nested (Pair None 5))
         (nested (Pair 0 [1 (Some :deep)])) (nested 42))

;; first matching clause wins; bound names are local to the arm
(def y :global-y)
(println (match 5 y -> (list :bound y) 5 -> :literal) y)
(println (match 5 _ -> :wild 5 -> :literal))

;; quoted symbols and dispatch on operations
(defn calc [op a b]
  (match op
    'add -> (+ a b)
    'mul -> (* a b)
    _ -> :unknown-op))
(println (calc 'add 2 3) (calc 'mul 2 3) (calc 'pow 2 3))

;; literal inside a struct pattern
(defn circle-kind [c]
  (match c (Circle 0) -> :point (Circle r) -> r))
(println (circle-kind (Circle 0)) (circle-kind (Circle 9)))

;; no clause matches: match-error carrying the value
(println (try (match 99 0 -> :zero 1 -> :one)
              (catch [e] (match e (match-error v) -> (list :match-error v)))))
(println (try (match (Rect 1 2) (Circle r) -> r)
              (catch [e] (match e (match-error v) -> v.h))))
