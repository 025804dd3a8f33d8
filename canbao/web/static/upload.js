/* 数据报送: an upload form (form.upload) sent with XMLHttpRequest, to show how far the upload has gone and then
   that the server is importing; the answer (the page the plain form would get) replaces the page's main part.
   Without this script, or without FormData, the form posts as usual. Served by canbao itself: the county
   intranet has no internet. */
(function () {
  "use strict";

  var UPLOADING = "正在上传：";
  var IMPORTING = "正在导入，请稍候…";

  function progressOf(form) {
    var box = form.querySelector(".upload-progress");
    return box && { box: box, bar: box.querySelector("progress"), text: box.querySelector(".upload-text") };
  }

  function setButtons(disabled) {
    document.querySelectorAll("form.upload button").forEach(function (button) { button.disabled = disabled; });
  }

  function showAnswer(html) {
    var answer = new DOMParser().parseFromString(html, "text/html");
    var main = answer.querySelector("main");
    var current = document.querySelector("main");
    if (!main || !current) { return false; }
    current.replaceWith(document.importNode(main, true));
    document.title = answer.title || document.title;
    var result = document.querySelector("#upload-result, #upload-error, [role=alert]");
    if (result) {
      result.setAttribute("tabindex", "-1");
      result.focus();
    }
    window.scrollTo(0, 0);
    return true;
  }

  function fail(progress, message) {
    progress.bar.value = 0;
    progress.text.textContent = message;
    progress.box.classList.add("failed");
    setButtons(false);
  }

  function send(form, progress) {
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.floor((event.loaded * 100) / event.total);
      progress.bar.value = percent;
      progress.text.textContent = UPLOADING + percent + "%";
    });
    request.upload.addEventListener("load", function () {
      progress.bar.removeAttribute("value"); // the import's length is unknown: a moving bar
      progress.text.textContent = IMPORTING;
    });
    request.addEventListener("load", function () {
      var target = request.responseURL ? new URL(request.responseURL) : null;
      if (target && target.pathname !== new URL(form.action).pathname) {
        window.location.assign(request.responseURL); // sent elsewhere (the session ended: the login page)
        return;
      }
      if (!showAnswer(request.responseText)) {
        fail(progress, "服务器的答复无法显示（" + request.status + "），请刷新页面查看导入结果");
      }
    });
    request.addEventListener("error", function () {
      fail(progress, "上传中断，请检查网络后重新上传");
    });
    request.send(new FormData(form));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("upload") || !window.FormData) { return; }
    var progress = progressOf(form);
    if (!progress || !form.checkValidity()) { return; }
    event.preventDefault();
    progress.box.hidden = false;
    progress.box.classList.remove("failed");
    progress.bar.value = 0;
    progress.text.textContent = UPLOADING + "0%";
    setButtons(true);
    send(form, progress);
  });
})();
