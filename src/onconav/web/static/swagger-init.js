// Starts Swagger UI on /docs over this server's /openapi.json (a static file: the CSP allows
// no inline script). The Swagger UI files come from the fastapi-offline package.
window.addEventListener("load", function () {
  "use strict";
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
