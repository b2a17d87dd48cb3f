;; A method call with no instance for the argument's type.
(defclass Show [a]
  (show [x : a] : string))
(instance Show int64 (show [x] (str "#" x)))
(println (show 5))
(println (show :not-an-int))
