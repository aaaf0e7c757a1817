package dev.capstan.scheduler.api;

import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/node}: this host's slots, running recordings with their measured cost, queue and admission. */
@RestController
@RequestMapping("/api/v1/node")
class NodeController {

    private final Node node;

    NodeController(Node node) {
        this.node = node;
    }

    @GetMapping
    NodeStatus status() {
        return node.status();
    }
}
