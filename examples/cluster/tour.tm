;; examples/cluster/tour.tm: a job migrating between nodes (docs/cluster.md)
(defn tour [nodes]
  (loop [ns nodes acc []]
    (if (empty? ns)
      (conj acc (current-node))
      (let [here (current-node)]
        (migrate-to (first ns))
        (recur (rest ns) (conj acc here))))))

;; the seed guide's task migration, with real functions: node A runs the first task,
;; suspends the half-finished job, serializes it and sends the bytes to node B, which
;; receives them, deserializes the job and resumes it there
(defn run-task1 [] 20)
(defn run-task2 [x] (+ x 1))
(defn run-task3 [x] (str "done " x " on " (current-node)))
(defn send-to-node-b [bytes] (send-to-node "node-b" bytes))

(defn node-a []
  ;; Node A: long-running job, half done
  (def job
    (cloneable-reset
      (fn []
        (def task1-result (run-task1))
        (cloneable-shift [k] k)              ; half done: the reset returns k
        (def task2-result (run-task2 task1-result))
        (def task3-result (run-task3 task2-result))
        task3-result)))
  ;; Save state
  (def bytes (serialize job))
  (send-to-node-b bytes))

(defn node-b []
  ;; Node B: resume
  (def job (deserialize (receive-bytes)))    ; parks the task until bytes arrive
  (def result (resume job))
  result)

(defn wait-for-nodes [names]          ; run.sh starts the nodes at once: wait until all joined
  (loop [tries 0]
    (let [live (set (cluster-nodes))]
      (when (and (< tries 600) (not (every? (fn [n] (contains? live n)) names)))
        (sleep-for 0.05)
        (recur (inc tries))))))

(defn main []
  (wait-for-nodes ["node-a" "node-b" "node-c"])
  ;; spawn-on starts a workflow on that node and returns its id
  (let [id (spawn-on "node-a" (fn [] (tour ["node-b" "node-c" "node-a"])))]
    (println "tour:" (await-workflow id) (workflow-status id)))
  (let [b (spawn-on "node-b" node-b)]
    (await-workflow (spawn-on "node-a" node-a))
    (println "seed guide:" (await-workflow b))))
