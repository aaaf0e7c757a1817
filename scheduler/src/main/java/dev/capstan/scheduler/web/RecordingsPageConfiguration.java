package dev.capstan.scheduler.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** The recordings page, a static page under {@code /recordings/} that uses the REST API. */
@Configuration(proxyBeanMethods = false)
class RecordingsPageConfiguration implements WebMvcConfigurer {

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/recordings", "/recordings/");
        registry.addViewController("/recordings/").setViewName("forward:/recordings/index.html");
    }
}
