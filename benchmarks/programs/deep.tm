;; Serialization benchmark (benchmarks/serialize.py times these in-process).
(module deep)

;; The computation of the Racket peer (peers/racket/k.rkt): descend n non-tail frames,
;; each holding an int, a string and a shared growing list, then suspend.
(defn deep [n acc]
  (if (= n 0)
    (cloneable-shift [k] k)
    (let [x (* n 2) s (str "frame-" n)]
      (+ x (count s) (deep (- n 1) (cons n acc))))))

;; Descend n deep and capture: returns the continuation (n + 1 frames).
(defn capture-at [n]
  (cloneable-reset (fn [] (deep n '()))))

;; Resume a (deserialized) continuation with v: finishes the n additions.
(defn resume-with [k v]
  (resume k v))

;; The whole check with the Turmeric builtins: (resume (deserialize (serialize k)) v).
(defn round-trip [k v]
  (resume (deserialize (serialize k)) v))
