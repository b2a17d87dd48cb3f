;; an uncaught Python exception: reported with its Python type, message and the call's position
(import-python json)
(defn load-config [text]
  (json.loads text))
(load-config "{not json")
