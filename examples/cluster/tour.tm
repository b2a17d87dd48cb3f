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

(defn main []
  (println "tour:" (await-task (spawn-on "node-a" (fn [] (tour ["node-b" "node-c" "node-a"])))))
  (let [b (spawn-on "node-b" receive-and-resume)]
    (await-task (spawn-on "node-a" (fn [] (send-job "node-b"))))
    (println "seed guide:" (await-task b))))
