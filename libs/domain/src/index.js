"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.HELLO = void 0;
exports.HELLO = 'x';
//# sourceMappingURL=index.js.map