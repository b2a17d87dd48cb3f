;; The Turmeric half of the web vocabulary (module turmeric.web).
;;
;; These functions capture continuations, so they are written in Turmeric: a capture
;; passes through their frames. The host half (request accessors, responses,
;; continuation URLs) is turmeric/web/vocab.py. The server runs every request under a
;; prompt; a shift body's value is the response the prompt returns.

(module turmeric.web)

;; (defpage "/path" [req] body...): a route. The handler's value is the response.
(defmacro defpage [path params & body]
  (def fname (symbol (str "page" (string/join "-" (string/split path "/")))))
  `(do (defn ~fname ~params ~@body)
       (register-page! ~path ~fname)))

;; (send/suspend (fn [k-url] page)): send the page; the value is the request that is
;; later made to k-url (each request to it resumes here again: multi-shot).
;; An options map {:ttl seconds :max-uses n} sets this continuation's limits.
(defn send/suspend [make-page & opts]
  (cloneable-shift [k] (make-page (continuation-url k nil (first opts)))))

;; (send/suspend/dispatch (fn [embed-url] page)): each (embed-url (fn [req] ...)) is a
;; URL of its own; a request to it resumes here and the value is that function's value
;; on the request (the function runs here, so it may itself suspend).
(defn send/suspend/dispatch [make-page & opts]
  (def choice (cloneable-shift [k] (make-page (fn [handler] (continuation-url k handler (first opts))))))
  ((first choice) (second choice)))

;; (send/back page): send the page now and drop the rest of the handler.
(defn send/back [page]
  (cloneable-shift [k] page))

;; (raw "<b>html</b>"): markup that is written as it is, not escaped.
(struct raw-html [html : string])
(instance Serializable raw-html)
(defn raw [html] (raw-html (str html)))

;; (once key thunk): run thunk the first time key is seen by this app, keep its value
;; in the store, and give that value back every later time (a resubmitted page, the
;; back button, another tab, another server process). The thunk must not suspend.
(defn once [key thunk]
  (def found (once-lookup key))
  (if (some? found)
    (unwrap found)
    (once-store! key (thunk))))     ; the value kept: the first one, if two ran at once
