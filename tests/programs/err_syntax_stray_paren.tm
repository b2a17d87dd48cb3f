;; A stray closing parenthesis.
(def x 1)
(def y 2))
(println x y)
