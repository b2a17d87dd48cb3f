;; A vector closed with a parenthesis.
(def v [1 2 3)
