// Starts Swagger UI on /docs from the vendored bundle (no CDN on the town's network).
window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: node.getAttribute("data-url"), dom_id: "#swagger-ui" });
});
