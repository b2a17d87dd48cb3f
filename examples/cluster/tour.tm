;; examples/cluster/tour.tm: a job migrating between nodes (docs/cluster.md)
(defn tour [nodes]
  (loop [ns nodes acc []]
    (if (empty? ns)
      (conj acc (current-node))
      (let [here (current-node)]
        (migrate-to (first ns))
        (recur (rest ns) (conj acc here))))))

;; the seed guide's task migration: node A serializes a half-finished job and
;; sends the bytes; node B receives them and resumes the job with these functions
(defn run-task1 [] 20)
(defn run-task2 [x] (+ x 1))
(defn run-task3 [x] (str "done " x " on " (current-node)))
(defn half-done-job []
  (cloneable-reset (fn []
    (let [t1 (run-task1)
          _ (cloneable-shift [k] k)
          t2 (run-task2 t1)]
      (run-task3 t2)))))
(defn send-job [node] (send-to-node node (serialize (half-done-job))))
(defn receive-and-resume [] ((deserialize (receive-bytes 30)) nil))

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
  (let [b (spawn-on "node-b" receive-and-resume)]
    (await-workflow (spawn-on "node-a" (fn [] (send-job "node-b"))))
    (println "seed guide:" (await-workflow b))))
