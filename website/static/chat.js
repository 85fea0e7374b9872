// Starts the chat widget (rasa-webchat) against the assistant's socket.io
// channel. Settings come from data attributes so the page has no inline script.
(function () {
  "use strict";
  var holder = document.getElementById("chat-widget");
  if (!holder || !window.WebChat) {
    return;
  }
  window.WebChat.default(
    {
      socketUrl: holder.dataset.socketUrl,
      socketPath: "/socket.io/",
      initPayload: "/greet",
      title: holder.dataset.title,
      subtitle: holder.dataset.subtitle,
      inputTextFieldHint: "Describe your pain or ask a question…",
      connectingText: "Connecting to the assistant…",
      hideWhenNotConnected: false,
      showMessageDate: false,
      // Session storage: a reload keeps the conversation, closing the tab
      // forgets it (kinder on a shared computer than local storage).
      params: { storage: "session" },
      // A short, readable pause between the assistant's messages.
      customMessageDelay: function (message) {
        return Math.min(600, 200 + 4 * (message || "").length);
      },
    },
    holder
  );
})();
