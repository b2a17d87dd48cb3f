;; Checkpointing a long-running computation: the seed guide's
;; `analyze-large-dataset` / `checkpoint-every-n` over 10,000 items, saving the
;; continuation every 1,000 items (checkpoint-999.bin, checkpoint-1999.bin, ...
;; checkpoint-9999.bin). After a crash, a new process resumes from the last
;; checkpoint on disk and finishes with the same answer.
;;
;; Run (files are written in the current folder):
;;     turmeric run checkpoint_every_n.tm
;;         deletes any old checkpoint-*.bin, then prints
;;         "answer: 10000 items, sum of squares 333283335000"
;;     turmeric run checkpoint_every_n.tm start --stall-at 4500
;;         stops at item 4500 and waits for Enter: kill it there (kill -9 <pid>,
;;         or Ctrl-C) to simulate a crash; checkpoint-3999.bin is the last on disk
;;     turmeric run checkpoint_every_n.tm resume
;;         prints "resuming from checkpoint-3999.bin", processes items 4000..9999
;;         and prints the same answer line
;;
;; One addition to the guide's code: the guide's `checkpoint-every-n` returns the
;; value of `for-each-with-index` (nil) and so drops its results; here it returns
;; `processed` after the loop. `processed` is a `set!` local captured by the
;; closure (a box), so every checkpoint holds a snapshot of the results so far.

(def stall-at nil)        ; set from the command line; read by whichever process runs

(defn process [item]
  (when (= item stall-at)
    (println "stalled at item" item "- press Enter to go on, or kill this process")
    (def stdin (open-file "/dev/stdin" "r"))
    (read-line stdin)
    (close stdin))
  (* item item))

(defn analyze-large-dataset [data]
  (defn checkpoint-every-n [n items]
    (let [processed []]
      (for-each-with-index items
        (fn [i item]
          (set! processed (conj processed (process item)))
          (when (= (mod (+ i 1) n) 0)
            ;; Checkpoint every n items
            (cloneable-shift [k]
              (write-file (str "checkpoint-" i ".bin")
                         (serialize k))
              (continue k)))))
      processed))                                   ; (added, see above)

  (checkpoint-every-n 1000 data))

(defn report [processed]
  (println "answer:" (count processed) "items, sum of squares" (reduce + 0 processed)))

(defn last-checkpoint []
  ;; the highest i with a checkpoint-i.bin (write-file is atomic: no partial files)
  (loop [i 9999]
    (cond (< i 0) nil
          (file-exists? (str "checkpoint-" i ".bin")) (str "checkpoint-" i ".bin")
          :else (recur (- i 1000)))))

(defn delete-checkpoints []
  ;; a fresh start must not leave an older run's checkpoints to be resumed later
  (for-each (range 999 10000 1000)
            (fn [i] (when (file-exists? (str "checkpoint-" i ".bin"))
                      (delete-file (str "checkpoint-" i ".bin"))))))

(defn main []
  (def args (vec (command-line-args)))
  (match args
    [_ "--stall-at" n] -> (set! stall-at (parse-int n))
    _ -> nil)
  (if (= (first args) "resume")
    (let [file (last-checkpoint)]
      (if file
        (do (println "resuming from" file)
            (report (resume (deserialize (read-file file)))))
        (println "no checkpoint to resume from")))
    (do (delete-checkpoints)
        (report (cloneable-reset (fn [] (analyze-large-dataset (range 10000))))))))
