;; Distributed task migration: node A runs the first task of a job, suspends the
;; half-finished job, and sends it (as bytes) to node B, which resumes it and runs
;; the remaining tasks. The same program file is installed on both nodes; the blob
;; carries the job's state, never its code.
;;
;; Run (two folders stand for two machines):
;;     mkdir -p node-a node-b
;;     cp task_migration.tm node-a/ && cp task_migration.tm node-b/
;;     (cd node-a && turmeric run task_migration.tm node-a job.bin)
;;         prints "task1 running on node A" and "sent half-finished job: ... bytes"
;;     cp node-a/job.bin node-b/                  ; "send-to-node-b"
;;     (cd node-b && turmeric run task_migration.tm node-b job.bin)
;;         prints "task2 running on node B", "task3 running on node B" and
;;         "result: {:total 338350 :trail [task1 on A task2 on B task3 on B]}"
;; Node B can also resume the blob with no program of its own beyond the module:
;;     (cd node-b && turmeric resume job.bin)
;;         here `main` never runs, so the global node-name keeps its default "?".

(def node-name "?")        ; set by main; globals are named in a blob, not copied

(defn run-task1 []
  (println "task1 running on node" node-name)
  (range 1 101))

(defn run-task2 [numbers]
  (println "task2 running on node" node-name)
  (map (fn [x] (* x x)) numbers))

(defn run-task3 [squares]
  (println "task3 running on node" node-name)
  (reduce + 0 squares))

(defn start-job []
  (cloneable-reset
    (fn []
      (def trail (ref []))                 ; copied into the blob (snapshot)
      (def task1-result (run-task1))
      (swap! trail conj (str "task1 on " node-name))
      (cloneable-shift [k] k)              ; half done: suspend, the reset returns k
      (def task2-result (run-task2 task1-result))
      (swap! trail conj (str "task2 on " node-name))
      (def task3-result (run-task3 task2-result))
      (swap! trail conj (str "task3 on " node-name))
      {:total task3-result :trail (deref trail)})))

(defn send-to-node-b [path bytes] (write-file path bytes))
(defn receive-bytes [path] (read-file path))

(defn main []
  (match (vec (command-line-args))
    ["node-a" path] ->
      (do (set! node-name "A")
          ;; Node A: long-running job, half done
          (def job (start-job))
          ;; Save state
          (def bytes (serialize job))
          (send-to-node-b path bytes)
          (println "sent half-finished job:" job (count bytes) "bytes"))
    ["node-b" path] ->
      (do (set! node-name "B")
          ;; Node B: resume
          (def job (deserialize (receive-bytes path)))
          (def result (resume job))
          (println "result:" result))
    _ -> (do (println "usage: turmeric run task_migration.tm node-a FILE | node-b FILE")
             (exit 2))))
