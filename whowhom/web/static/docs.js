// Swagger UI for /docs, from the vendored bundle (no CDN: works offline).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
