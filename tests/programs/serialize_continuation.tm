;; Spec section 8 seed example, plus continuations serialized mid-computation.
(def saved #f)
(def result (+ 1 (cloneable-shift [k] (set! saved k) 10)))
(println result)
(println (resume saved 42))
(write-file "continuation.dat" (serialize saved))
(def k (deserialize (read-file "continuation.dat")))
(println (resume k 42))
(println (continuation? k) (resume saved 1) (resume k 2))

;; a job suspended in the middle, with locals, a loop and a ref
(def progress (ref []))
(defn job-body [n]
  (let [label "job"]
    (loop [i 0 acc 0]
      (if (= i n)
        (str label ":" acc)
        (let [v (if (= i 2) (suspend) i)]
          (swap! progress conj i)
          (recur (inc i) (+ acc v)))))))
(def job (cloneable-reset (fn [] (job-body 5))))
(println (deref progress))
(def blob (serialize job))
(def job-copy (deserialize blob))
(println (job 100) (deref progress))
(println (job-copy 100))
(println (job-copy 1000))
(println (deref progress))  ; globals are named, not copied: the copy's runs appended to this process's ref
(println ((deserialize blob) 0))

;; serialize the continuation inside the shift body, then resume it (checkpoint)
(defn checkpointed-sum [xs]
  (reduce (fn [acc x]
            (+ acc (cloneable-shift [k]
                     (write-file (str "cp-" x ".bin") (serialize k))
                     (continue k x))))
          0 xs))
(println (cloneable-reset (fn [] (checkpointed-sum [1 2 3]))))
(def k2 (deserialize (read-file "cp-2.bin")))
(println (k2 2) (k2 20))
(println (file-exists? "cp-1.bin") (file-exists? "cp-3.bin"))

;; clean up (so running the program in place leaves nothing behind)
(for-each ["continuation.dat" "cp-1.bin" "cp-2.bin" "cp-3.bin"] (fn [f] (delete-file f)))
