;; Calling a function with the wrong number of arguments.
(defn add [a b] (+ a b))
(println (add 1 2))
(println (add 1))
