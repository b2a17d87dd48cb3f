;; A continuation 10,000 frames deep, captured once and resumed several times.
(defn deep [n]
  (if (= n 0)
    (cloneable-shift [k] k)
    (+ 1 (deep (- n 1)))))
(def k (cloneable-reset (fn [] (deep 10000))))
(println (continuation? k))
(println (k 0))
(println (k 5))
(println (k 100))
(println (k 0))

;; frames holding several locals and a shared growing list (the Racket peer benchmark)
(defn deep2 [n acc]
  (if (= n 0)
    (cloneable-shift [k] k)
    (let [x (* n 2) s (str "frame-" n)]
      (+ x (count s) (deep2 (- n 1) (cons n acc))))))
(def k2 (cloneable-reset (fn [] (deep2 10000 '()))))
(println (k2 0) (k2 1))
(println (>= (count (continuation-frames k2)) 10000))

;; capture deep, resume, capture again deeper inside the resumed run
(defn twice-deep [n]
  (if (= n 0)
    (+ (cloneable-shift [k] (k 1)) (cloneable-shift [k] (+ (k 10) (k 20))))
    (+ 1 (twice-deep (- n 1)))))
(println (cloneable-reset (fn [] (twice-deep 5000))))
