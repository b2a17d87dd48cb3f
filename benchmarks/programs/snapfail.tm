;; The failing computation of benchmarks/snapshot.py: (fail-at n) descends n + 1 non-tail
;; frames of `down`, each holding an int, a string and a shared growing list, then throws.
;; (ok-at n) is the same descent returning normally: the no-error path.

(defn down [n acc]
  (let [label (str "frame-" n)
        acc2 (cons n acc)]
    (if (= n 0)
      (throw (str "bottom reached with " (count acc2) " items"))
      (+ 1 (count label) (down (- n 1) acc2)))))

(defn ok-down [n acc]
  (let [label (str "frame-" n)
        acc2 (cons n acc)]
    (if (= n 0)
      0
      (+ 1 (count label) (ok-down (- n 1) acc2)))))

(defn fail-at [n] (down n '()))
(defn ok-at [n] (ok-down n '()))
