package dev.capstan.scheduler.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "capstan.node.slots=1")
class DemoPageTest {

    @Autowired
    TestRestTemplate http;

    @Test
    void servesTheDemoMeetingAsAPage() {
        ResponseEntity<String> page = http.getForEntity("/demo", String.class);
        assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(page.getHeaders().getContentType()).isNotNull()
                .matches(type -> type.isCompatibleWith(MediaType.TEXT_HTML));
        assertThat(page.getBody()).contains("<canvas", "AudioContext", "Capstan demo meeting");
    }
}
