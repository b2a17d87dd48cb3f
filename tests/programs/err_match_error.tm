;; No clause matches.
(defn describe [n]
  (match n
    0 -> "zero"
    1 -> "one"))
(println (describe 1))
(println (describe 7777))
